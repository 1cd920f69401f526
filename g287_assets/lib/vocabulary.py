"""The program's vocabulary shared by every domain: its three models and the four levels of agency.

The models' names and descriptions are in data/reference/models.csv; a test keeps the two in step.
"""

MODELS = ("JEM", "WSO", "TFM")
LEVELS = ("county", "municipal", "state", "other")
