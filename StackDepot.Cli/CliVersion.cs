using System.Reflection;

namespace StackDepot.Cli;

/// <summary>The CLI's version, as <c>stackdepot --version</c> prints it (the informational version of this assembly,
/// <c>0.1.0+commit</c>); reports name their producer with it.</summary>
internal static class CliVersion
{
    /// <summary>The version text.</summary>
    public static string Text { get; } =
        typeof(CliVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CliVersion).Assembly.GetName().Version?.ToString()
        ?? "0.0.0";

    /// <summary>What reports record as their producer: <c>stackdepot</c> and <see cref="Text"/>.</summary>
    public static string Producer => "stackdepot " + Text;
}
