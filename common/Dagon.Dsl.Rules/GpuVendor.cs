#nullable enable
// Owned by common/ and linked into the runtime, the generator and the analyzers (see ContainerIsolation.cs).

namespace Dagon.Model
{
    /// <summary>Whose GPU libraries and devices a container task gets.</summary>
    public enum GpuVendor
    {
        /// <summary>No GPU support (the default).</summary>
        None = 0,

        /// <summary>NVIDIA: <c>--nv</c>; <c>CUDA_VISIBLE_DEVICES</c> passes through.</summary>
        Nvidia = 1,

        /// <summary>AMD: <c>--rocm</c>; <c>ROCR_VISIBLE_DEVICES</c> passes through.</summary>
        Amd = 2,
    }
}
