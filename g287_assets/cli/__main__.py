import sys

from g287_assets.cli import main

sys.exit(main())
