import sys
from pathlib import Path

# Make tests/fixtures importable as `fixtures` from every test folder.
sys.path.insert(0, str(Path(__file__).resolve().parent))
