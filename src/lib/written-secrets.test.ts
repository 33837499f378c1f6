/**
 * The credentials a text writes itself (writtenSecrets), as runbook commands, check targets and
 * observed values write them, and the ordinary text that looks a little like them and is left.
 */
import { describe, expect, it } from 'vitest';
import { isRedirectCredential } from './redirects.js';
import { commandHeaders, configSecrets, maskWritten, writtenSecrets } from './secrets.js';

const basic = (pair: string): string => Buffer.from(pair).toString('base64');

describe('credentials a text writes', () => {
  it("reads curl's -u in each spelling, with the Basic credentials sent for it; a token given alone is the credential", () => {
    for (const line of ['curl -u ops:pw-1234 https://x', 'curl --user ops:pw-1234 https://x', 'curl -uops:pw-1234 https://x', "curl --user='ops:pw-1234' https://x", 'curl -s -U ops:pw-1234 -x proxy:3128 https://x']) {
      expect(writtenSecrets(line), line).toEqual(expect.arrayContaining(['pw-1234', basic('ops:pw-1234')]));
    }
    expect(writtenSecrets('curl -u sk_test_abc123: https://api.stripe.com/v1/charges')).toEqual(expect.arrayContaining(['sk_test_abc123', basic('sk_test_abc123:')]));
    // curl prompts for the password of a user alone; a user is not a credential.
    expect(writtenSecrets('curl -u ops https://x')).toEqual([]);
    expect(writtenSecrets('curl -sSu ops https://x')).toEqual([]);
  });

  it("reads curl's short options grouped in one word: -u or -H last takes the rest of the word or the next word; another option's value is not a user", () => {
    for (const line of ['curl -sSu ops:pw-1234 https://x', 'curl -siuops:pw-1234 https://x', 'curl -fsSLU ops:pw-1234 -x proxy:3128 https://x']) {
      expect(writtenSecrets(line), line).toEqual(expect.arrayContaining(['pw-1234', basic('ops:pw-1234')]));
    }
    expect(writtenSecrets("curl -sH 'X-Api-Key: key-5678' https://x")).toEqual(['key-5678']);
    // -X takes the rest of the word: `-Xuser:x` is a method, not a user.
    expect(writtenSecrets('curl -sXuser:xy-99 https://x')).toEqual([]);
  });

  it('reads schemeless user:password@host, and leaves image digests, mail addresses and scp targets', () => {
    expect(writtenSecrets('psql -d app ops:db-pw-77@db.internal:5432')).toContain('db-pw-77');
    expect(writtenSecrets('export DSN=ops:db-pw-77@db.internal/app')).toContain('db-pw-77');
    for (const line of ['docker pull nginx:1.25@sha256:0123abcd', 'mailto:oncall@example.com', 'scp dump.sql ops@db.internal:/tmp', 'git clone git@github.com:org/repo.git', 'ssh ops@10.0.0.5', 'tag db:5432@primary']) {
      expect(writtenSecrets(line), line).toEqual([]);
    }
  });

  it('reads credential query values of URLs with and without a scheme: token, api_key, access_token, password, secret, sig, signature', () => {
    const line = 'curl "https://x/a?token=t-1111&api_key=k-2222&access_token=a-3333&password=p-4444&client_secret=s-5555&sig=g-6666&X-Amz-Signature=z-7777&region=eu-west-1"';
    expect(writtenSecrets(line).sort()).toEqual(['a-3333', 'g-6666', 'k-2222', 'p-4444', 's-5555', 't-1111', 'z-7777']);
    expect(writtenSecrets('curl -s /api/export?secret=rel-8888')).toEqual(['rel-8888']);
  });

  it('reads option, assignment and header credentials, also in a command quoted inside another', () => {
    expect(writtenSecrets('mysql -h db -u app -pmy-pw-11 -e "SELECT 1"')).toEqual(['my-pw-11']);
    expect(writtenSecrets('mysqldump --password=my-pw-11 app')).toEqual(['my-pw-11']);
    expect(writtenSecrets('PGPASSWORD=pg-pw-22 psql -h db -U app')).toEqual(['pg-pw-22']);
    expect(writtenSecrets('redis-cli -h cache -a rd-pw-33 ping')).toEqual(['rd-pw-33']);
    expect(writtenSecrets('kubectl --token kube-tok-44 get pods')).toEqual(['kube-tok-44']);
    expect(writtenSecrets('helm upgrade app ./chart --set db.password=helm-pw-55')).toEqual(['helm-pw-55']);
    expect(writtenSecrets('kubectl create secret generic db --from-literal=password=k8s-pw-56 --from-literal=user=app')).toEqual(['k8s-pw-56']);
    expect(writtenSecrets('docker run -e API_TOKEN=dk-tok-57 -e LOG_LEVEL=debug app')).toEqual(['dk-tok-57']);
    expect(writtenSecrets("curl -H 'X-Api-Key: hk-66666' -H 'Authorization: Bearer bt-77777' https://x")).toEqual(['hk-66666', 'bt-77777']);
    expect(writtenSecrets(`ssh db.internal 'mysql -pssh-pw-88 -e "SELECT 1"'`)).toEqual(['ssh-pw-88']);
    expect(writtenSecrets(`kubectl exec -it pod -- sh -c "PGPASSWORD=kx-pw-99 psql -c 'select 1'"`)).toEqual(['kx-pw-99']);
  });

  it('leaves options and assignments that only look like credentials', () => {
    for (const line of [
      'psql --password -h db -U app app',
      'docker run -u 1000:1000 -p 8080:80 app',
      'docker login --password-stdin -u ci registry',
      'vault read -field=password secret/db',
      'openssl genrsa -out key.pem 4096',
      'kubectl get secret db-creds -o yaml',
      'grep -c token= app.log',
      'sudo -u postgres psql -c "select 1"',
      'curl --key client.key --cert client.crt https://x',
      'PGHOST=db.internal PGUSER=app psql',
      'curl -H "Accept: application/json" https://x',
    ]) {
      expect(writtenSecrets(line), line).toEqual([]);
    }
  });

  it('masks them and keeps the rest of the text as it was', () => {
    expect(maskWritten('curl -u ops:pw-1234 "https://x/a?token=t-1111&region=eu"')).toBe('curl -u ops:******** "https://x/a?token=********&region=eu"');
    expect(maskWritten('mysql -pmy-pw-11 app', ['configured-1'])).toBe('mysql -p******** app');
  });
});

describe('credentials a config command writes', () => {
  it('are credentials of the config, as a list of words or one line', () => {
    const config = { checks: [{ id: 'db', kind: 'command', command: ['mysql', '-h', 'db', '-pcmd-pw-1212', '-e', 'SELECT 1'] }, { id: 'cache', kind: 'command', command: 'redis-cli -a cmd-pw-3434 ping' }] };
    expect(configSecrets(config)).toEqual(expect.arrayContaining(['cmd-pw-1212', 'cmd-pw-3434']));
    expect(configSecrets(config)).not.toContain('SELECT 1');
  });
});

describe('credentials on a redirect to another origin', () => {
  it('are the headers named like a credential as well as Authorization, Cookie and Proxy-Authorization', () => {
    for (const name of ['Authorization', 'Cookie', 'Proxy-Authorization', 'X-Api-Key', 'X-Auth-Token', 'Private-Token', 'X-Vault-Token', 'X-Client-Secret', 'X-DB-Password', 'Api-Key']) expect(isRedirectCredential(name), name).toBe(true);
    for (const name of ['Accept', 'Content-Type', 'X-Trace', 'User-Agent', 'X-Request-Id']) expect(isRedirectCredential(name), name).toBe(false);
  });

  it('reads the headers a command line gives (-H, --header, --header=), quotes removed, each command on its own', () => {
    expect(commandHeaders(`curl -s -H "Authorization: Bearer abc.def" --header 'X-Api-Key: k1' --header=Accept:text/plain https://a.test/x | jq . ; curl -H 'Cookie: s=1' https://b.test`)).toEqual([
      ['Authorization', 'Bearer abc.def'],
      ['X-Api-Key', 'k1'],
      ['Accept', 'text/plain'],
      ['Cookie', 's=1'],
    ]);
    expect(commandHeaders('curl --proxy-header "Proxy-Authorization: Basic eDp5" -H NoColon https://a.test')).toEqual([]);
  });
});
