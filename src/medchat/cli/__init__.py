"""The ``medchat`` command line. Commands import their heavy parts inside the command body."""
