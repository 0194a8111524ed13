using Microsoft.Extensions.Configuration;

namespace Dagon.Images;

/// <summary>A user name and password for one registry, and where they came from (for messages; never the password).</summary>
public sealed record RegistryLogin(string User, string Password, string Origin);

/// <summary>
/// The credentials a registry is asked with, from the same places Apptainer takes them for the pull: a
/// <c>[registry:HOST]</c> section of dagon.ini (<c>username</c>, and <c>password_env</c> naming the environment
/// variable that holds the password), else <c>APPTAINER_DOCKER_USERNAME</c> / <c>APPTAINER_DOCKER_PASSWORD</c>. A
/// password is never read from dagon.ini itself: a <c>password</c> key there is refused.
/// </summary>
public sealed class RegistryLogins(IConfiguration? configuration, Func<string, string?>? environment = null)
{
    public const string UserVariable = "APPTAINER_DOCKER_USERNAME";
    public const string PasswordVariable = "APPTAINER_DOCKER_PASSWORD";

    private readonly Func<string, string?> _environment = environment ?? Environment.GetEnvironmentVariable;

    public static readonly RegistryLogins FromEnvironment = new(null);

    /// <summary>The login for <paramref name="registry"/> (<c>host[:port]</c>), or null when none is set.</summary>
    /// <exception cref="ImagePreparationException">The <c>[registry:HOST]</c> section is unusable; the message says why.</exception>
    public RegistryLogin? For(string registry)
    {
        foreach (var name in SectionNames(registry))
        {
            var section = $"registry:{name}";
            // Keys are read by their full path: a section name with a port holds ':' too, which GetSection would split.
            var user = configuration?[$"{section}:username"];
            var passwordEnv = configuration?[$"{section}:password_env"];
            if (configuration?[$"{section}:password"] is not null)
            {
                throw new ImagePreparationException(
                    $"[{section}] has a password key: dagon.ini never holds a password. Put it in an environment variable and name that " +
                    "variable with password_env");
            }

            if (user is null && passwordEnv is null) continue;
            if (string.IsNullOrWhiteSpace(user) || string.IsNullOrWhiteSpace(passwordEnv))
            {
                throw new ImagePreparationException($"[{section}] needs both username and password_env (the variable holding the password)");
            }

            var password = _environment(passwordEnv);
            if (string.IsNullOrEmpty(password))
            {
                throw new ImagePreparationException($"[{section}] password_env names {passwordEnv}, which is not set in the environment");
            }

            return new RegistryLogin(user, password, $"[{section}]");
        }

        var envUser = _environment(UserVariable);
        var envPassword = _environment(PasswordVariable);
        return string.IsNullOrEmpty(envUser) || string.IsNullOrEmpty(envPassword)
            ? null
            : new RegistryLogin(envUser, envPassword, $"{UserVariable}/{PasswordVariable}");
    }

    /// <summary>The variables Apptainer reads for a pull, set to the login of <paramref name="registry"/>'s section, if it has one.</summary>
    public IEnumerable<KeyValuePair<string, string?>> ForApptainer(string registry)
    {
        if (For(registry) is not { Origin: ['[', ..] } login) yield break;
        yield return new(UserVariable, login.User);
        yield return new(PasswordVariable, login.Password);
    }

    /// <summary>Docker Hub answers as <c>registry-1.docker.io</c> but is written <c>docker.io</c>.</summary>
    private static IEnumerable<string> SectionNames(string registry) =>
        registry == "registry-1.docker.io" ? [registry, "docker.io", "index.docker.io"] : [registry];
}
