"""CuPy kernels of the cuda backend, registered by op name in ``numeru.cuda.plugin``.

Each module imports CuPy only inside its functions: the plugin registers them as
``"module:function"`` strings, resolved on the first op that runs on a CUDA device.
"""
