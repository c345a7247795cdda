"""Hand-written programs in zero's language: proof that it can express learning, and seeds for search.

- :func:`linear_regression`: SGD on squared error, ``w ← w + lr·(y − w·x)·x`` (paper §4.1's solution).
- :func:`linear_regression_with_intercept`: the same with a learned intercept, ``ŷ = w·x + b``, ``b``
  stepped by the same error; on targets with a nonzero mean (teacher networks) it beats the line
  through the origin.
- :func:`logistic_regression`: the same update on the sigmoid prediction the evaluator puts in ``s1``
  for classification tasks, i.e. SGD on log-loss.
- :func:`neural_net`: a 2-layer ReLU network ``y = w2·relu(W1 x)`` trained by backpropagation, in the
  ops of the paper's Fig. 5 space (``search_spaces/paper_nn.yaml``).
- :func:`sin_cos_regression`: for scalar inputs (F = 1), SGD on the features (sin x, cos x). A sine
  ``A sin(x − φ) = A cos φ · sin x − A sin φ · cos x`` is linear in them, so this fits a new wave from
  a few shots (the ``sinusoid`` family). It is a reference that encodes the answer, not a seed for
  search: no experiment starts from it.

They are written as readable text and parsed (:func:`zero.lang.program.parse`), so each reads as it runs.
"""

from __future__ import annotations

from zero.lang.program import Memory, Program, parse


def linear_regression(learning_rate: float = 0.1, memory: Memory = Memory(4, 3, 1)) -> Program:
    """``v1`` weights, ``s2`` learning rate; ``s3`` and ``v2`` scratch."""
    return parse(_sgd_linear(learning_rate, intercept=False), memory)


def linear_regression_with_intercept(learning_rate: float = 0.1, memory: Memory = Memory(5, 3, 1)) -> Program:
    """As :func:`linear_regression`, plus the intercept ``s4``: ``b ← b + lr·(y − ŷ)`` (the gradient
    step on a constant feature 1). Ops of the reference baseline's space (``search_spaces/baseline.yaml``)."""
    return parse(_sgd_linear(learning_rate, intercept=True), memory)


def _sgd_linear(learning_rate: float, *, intercept: bool) -> str:
    """The text of SGD linear regression, with or without the intercept ``s4`` (one update rule for both)."""
    add_intercept = "\n  s1 = s1 + s4        # + intercept" if intercept else ""
    step_intercept = "\n  s4 = s4 + s3        # the intercept's step" if intercept else ""
    return f"""
def setup():
  s2 = {float(learning_rate)!r}
def predict():
  s1 = dot(v0, v1){add_intercept}
def learn():
  s3 = s0 - s1        # error y - ŷ
  s3 = s2 * s3        # lr · error
  v2 = s3 * v0        # lr · error · x  (the negative gradient step)
  v1 = v1 + v2{step_intercept}
"""


def logistic_regression(learning_rate: float = 0.1, memory: Memory = Memory(4, 3, 1)) -> Program:
    """As :func:`linear_regression`; on classification tasks ``s1`` holds sigmoid(w·x) when learn
    runs, so the same update is the log-loss gradient step."""
    return linear_regression(learning_rate, memory)


def neural_net(
    learning_rate: float = 0.01, init_scale: float = 0.3, memory: Memory = Memory(4, 8, 2)
) -> Program:
    """Memory: ``m0`` = W1 (hidden × input), ``v1`` = w2, ``v2`` = W1 x, ``v3`` = relu(W1 x),
    ``v4`` stays zero (ReLU's other operand), ``s2`` learning rate; ``s3``, ``v5``–``v7``, ``m1`` scratch.
    Only the Fig. 5 ops: the two updates need opposite signs because the space has vector *sum* but
    matrix *diff*, hence both ``±lr·dL/dŷ`` are formed (11 learn instructions; the space fixes 9)."""
    return parse(
        f"""
def setup():
  m0 = gaussian(0.0, {float(init_scale)!r}, (F, F))
  v1 = gaussian(0.0, {float(init_scale)!r}, F)
  s2 = {float(learning_rate)!r}
def predict():
  v2 = dot(m0, v0)          # hidden pre-activation W1 x
  v3 = maximum(v2, v4)      # relu (v4 is zero)
  s1 = dot(v3, v1)          # output w2 · h
def learn():
  s3 = s0 - s1              # y - ŷ = -dL/dŷ  for L = (ŷ - y)² / 2
  s1 = s1 - s0              # ŷ - y = dL/dŷ   (s1 is free once predict's value is used)
  s1 = s2 * s1              # lr · dL/dŷ
  v5 = s1 * v1              # lr · dL/dh      (before w2 moves)
  v6 = heaviside(v2)        # relu'(W1 x)
  v5 = v5 * v6              # lr · dL/d(W1 x)
  m1 = outer(v5, v0)        # lr · dL/dW1
  m0 = m0 - m1
  s3 = s2 * s3              # -lr · dL/dŷ
  v7 = s3 * v3              # -lr · dL/dw2
  v1 = v1 + v7
""",
        memory,
    )


def sin_cos_regression(learning_rate: float = 1.0, memory: Memory = Memory(8, 3, 1)) -> Program:
    """``y ≈ w_s sin x + w_c cos x`` by SGD on squared error, for F = 1 (``x`` = ``mean(v0)``):
    ``s6``, ``s7`` the weights, ``s4``, ``s5`` the features, ``s2`` the learning rate, ``s3`` scratch.
    sin² x + cos² x = 1, so a learning rate of 1 is the normalized step: each update fits the
    current example exactly. Ops of the ``paper_full`` space only."""
    return parse(
        f"""
def setup():
  s2 = {float(learning_rate)!r}
def predict():
  s3 = mean(v0)             # x (F = 1)
  s4 = sin(s3)
  s5 = cos(s3)
  s3 = s4 * s6              # w_s sin x
  s1 = s5 * s7              # w_c cos x
  s1 = s1 + s3
def learn():
  s3 = s0 - s1              # y - ŷ
  s3 = s2 * s3              # lr · error
  s1 = s3 * s4
  s6 = s6 + s1              # w_s += lr · error · sin x
  s1 = s3 * s5
  s7 = s7 + s1              # w_c += lr · error · cos x
""",
        memory,
    )


HANDWRITTEN = {
    "linear": linear_regression,
    "linear_intercept": linear_regression_with_intercept,
    "logistic": logistic_regression,
    "neural_net": neural_net,
    "sin_cos": sin_cos_regression,
}
