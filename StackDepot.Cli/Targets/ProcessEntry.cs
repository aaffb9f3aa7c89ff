namespace StackDepot.Cli.Targets;

/// <summary>A process as <c>ps</c> lists it.</summary>
/// <param name="Pid">The process id.</param>
/// <param name="Name">The application name: the main assembly for <c>dotnet app.dll</c>, the executable otherwise.</param>
/// <param name="Executable">The executable's process name (for example <c>dotnet</c>).</param>
/// <param name="CommandLine">The command line, when readable.</param>
internal sealed record ProcessEntry(int Pid, string Name, string Executable, string? CommandLine);
