import sys

from demarche.cli import main

sys.exit(main())
