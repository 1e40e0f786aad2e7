"""``python -m autograd_core train|graph``: hands over to the command, ``autograd_core.cli``.

The command is a layer above the library (it uses ``nn`` and ``optim``); this file only
starts it and is imported by nothing.
"""
from autograd_core.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
