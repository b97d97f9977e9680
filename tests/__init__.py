"""ffnn's test suite: a package, so that its helpers are imported by their full
name (``tests.support``), never by a bare module name."""
