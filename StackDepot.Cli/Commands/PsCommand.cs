using System.CommandLine;
using System.Globalization;
using StackDepot.Cli.Output;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.Commands;

/// <summary><c>stackdepot ps</c>: the .NET processes that can be inspected.</summary>
internal static class PsCommand
{
    /// <summary>The command (no options).</summary>
    public static Command Create(CliContext context)
    {
        var command = new Command("ps", "List the .NET processes that can be inspected: pid, name, command line.");
        command.SetAction(_ => (int)Run(context.Console));
        return command;
    }

    /// <summary>Prints the table on stdout (a note on stderr when there is nothing to list).</summary>
    public static ExitCode Run(ICliConsole console)
    {
        TextWriter output = console.Out;
        List<ProcessEntry> processes = DotNetProcess.List();
        if (processes.Count == 0)
        {
            console.Error.WriteLine("stackdepot: no other .NET process with a diagnostics endpoint found");
            return ExitCode.Success;
        }

        int pidWidth = Math.Max(3, processes.Max(p => p.Pid.ToString(CultureInfo.InvariantCulture).Length));
        int nameWidth = Math.Max(4, processes.Max(p => p.Name.Length));
        output.WriteLine($"{"PID".PadLeft(pidWidth)}  {"NAME".PadRight(nameWidth)}  COMMAND LINE");
        foreach (ProcessEntry process in processes)
        {
            output.WriteLine($"{process.Pid.ToString(CultureInfo.InvariantCulture).PadLeft(pidWidth)}  {process.Name.PadRight(nameWidth)}  {process.CommandLine ?? "?"}");
        }

        output.Flush();
        return ExitCode.Success;
    }
}
