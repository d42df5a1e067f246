"""The names of the engine's ops as the language groups them (LANGUAGE.md): the
built-ins, the tensor methods and the compatibility namespaces are made from these."""

ELEMENTWISE = ("exp log log1p expm1 sqrt abs sign sin cos tan asin acos atan sinh cosh tanh "
               "sigmoid relu softplus clamp maximum minimum where pow "
               "log2 log10 exp2 erf erfc erfinv asinh acosh atanh atan2 hypot floor ceil trunc "
               "round frac square reciprocal rsqrt sinc logsigmoid xlogy lerp addcmul "
               "addcdiv").split()
# & | ^ ~ as functions and methods, and PyTorch's logical_*: never differentiable
BITWISE = ("bitwise_and bitwise_or bitwise_xor bitwise_not logical_and logical_or logical_xor "
           "logical_not").split()
REDUCTIONS = ("sum mean prod max min norm var std logsumexp softmax log_softmax cumsum "
              "argmax argmin").split()
SHAPE_OPS = "reshape view flatten squeeze unsqueeze transpose permute expand cat stack".split()
LINALG = "matmul dot outer inv det solve trace diag mm einsum".split()
AUTOGRAD = ("grad jacobian hessian gradcheck no_grad enable_grad set_grad_enabled "
            "is_grad_enabled").split()
FACTORIES = "ones zeros full eye arange linspace rand randn randint randperm normal bernoulli".split()
LIKE = "ones_like zeros_like full_like rand_like randn_like randint_like".split()

# built-in names that Python code often uses for its own variables (`for e in ...`):
# assigning one rebinds it like any built-in, without the "hides the built-in" warning
QUIET_BUILTINS = frozenset(("e",))
