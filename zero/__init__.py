"""zero: discover machine-learning algorithms by evolution, in the style of AutoML-Zero.

Real, Liang, So, Le. "AutoML-Zero: Evolving Machine Learning Algorithms From Scratch." ICML 2020.
"""

__version__ = "0.1.0"
