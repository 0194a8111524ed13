// Records need this type, which netstandard2.0 does not ship; the compiler accepts a private definition.
namespace System.Runtime.CompilerServices;

internal static class IsExternalInit
{
}
