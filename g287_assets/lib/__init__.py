"""Pure helpers of g287: no Dagster imports here, so each piece can be tested and reused on its own."""
