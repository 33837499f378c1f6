"""`python3 -m opsbook_gameday_celery_cli ARGS` is `python3 -m celery ARGS`, started for less CPU.

Celery's command line imports every subcommand when it starts, and `celery amqp` registers an
interactive shell through click_repl, which imports prompt_toolkit: about half of the CPU a
`celery` process spends importing (~0.5 s of 0.9 s measured on a loaded two-core machine), paid by
each worker, beat and `celery inspect` the game day starts. The world has no terminal for that shell,
so click_repl is stood in for by a module that registers none; everything else is Celery's own
command line, run as `python -m celery` (the same program name in its usage and error messages).
"""
import runpy
import sys
import types

if 'click_repl' not in sys.modules:
    _no_repl = types.ModuleType('click_repl')
    _no_repl.register_repl = lambda group, name='repl': None
    sys.modules['click_repl'] = _no_repl
# Celery colours `celery inspect`'s JSON with pygments when it is installed, building a Python lexer
# as it starts (its regular expressions: ~0.12 s); click strips the colours again when the output is
# not a terminal, as it never is here. Without pygments Celery prints the same JSON uncoloured.
sys.modules.setdefault('pygments', None)

runpy.run_module('celery', run_name='__main__', alter_sys=True)
