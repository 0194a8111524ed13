#nullable enable
// Owned by common/ and linked into the runtime, the generator and the analyzers, so that all three classify an image
// reference the same way. Public because the runtime's API (ImageSource.Kind) exposes it.

namespace Dagon.Model
{
    /// <summary>What an image reference names.</summary>
    public enum ImageSourceKind
    {
        /// <summary><c>docker://</c>: an OCI image from any registry, converted to SIF once.</summary>
        Docker,

        /// <summary><c>library://</c>: the Sylabs/Apptainer library.</summary>
        Library,

        /// <summary><c>oras://</c>: a SIF stored in an OCI registry.</summary>
        Oras,

        /// <summary><c>http://</c> or <c>https://</c>: a SIF downloaded over HTTP.</summary>
        Http,

        /// <summary>A local <c>.sif</c> file, used in place.</summary>
        SifFile,

        /// <summary>A local definition file (<c>.def</c>), built once with <c>apptainer build</c>.</summary>
        DefinitionFile,

        /// <summary>A local sandbox directory, used in place.</summary>
        SandboxDirectory,

        /// <summary><c>docker-archive:PATH</c>: a <c>docker save</c> (or <c>skopeo copy</c>) tar file, converted to SIF once.</summary>
        DockerArchive,

        /// <summary><c>oci-archive:PATH</c>: an OCI image layout in a tar file, converted to SIF once.</summary>
        OciArchive,

        /// <summary><c>oci:PATH</c>: an OCI image layout directory holding one image (Apptainer reads no tag here), converted to SIF once.</summary>
        OciLayout,
    }
}
