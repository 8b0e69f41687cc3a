"""The Spark engine (engine = "spark"): the SQL of sql/, translated to Spark SQL, over a whole
history; `translate.py` translates, `engine.py` runs it and loads the result into the warehouse."""
