/** What a world tool answers, as a process would: exit code, stdout, stderr. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}
