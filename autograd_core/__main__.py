"""``python -m autograd_core train|graph``: see ``autograd_core.cli``."""
from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
