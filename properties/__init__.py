"""properties: the theory as code (bounds, Fourier analysis, Hypothesis strategies, pytest plugin)."""
