"""The archive-scale benchmark: synthetic archives (generate.py) built and measured stage by stage (run.py)."""
