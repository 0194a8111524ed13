#nullable enable
// Owned by common/ and linked into the runtime, the generator and the analyzers (see ContainerIsolation.cs): the
// attributes name it, the generator writes its values, and [apptainer] pull reads it.

namespace Dagon.Model
{
    /// <summary>When a registry image (<c>docker://</c> and the other pulled sources) is fetched again.</summary>
    public enum PullPolicy
    {
        /// <summary>Not set here: the workflow's setting applies, then the run's <c>[apptainer] pull</c>, then <see cref="Missing"/>.</summary>
        Unset = 0,

        /// <summary>Only when the cache has no image for the reference; a moved tag is noticed, logged and not pulled.</summary>
        Missing = 1,

        /// <summary>Every run asks the registry for the tag's digest and pulls it when that digest is not cached yet.</summary>
        Always = 2,

        /// <summary>Never contact the registry: the cached image or a library folder's, else the task fails.</summary>
        Never = 3,
    }
}
