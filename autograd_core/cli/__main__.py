"""``python -m autograd_core.cli train|graph``."""
from . import main

if __name__ == "__main__":
    raise SystemExit(main())
