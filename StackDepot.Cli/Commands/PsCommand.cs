using System.Globalization;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.Commands;

/// <summary><c>stackdepot ps</c>: the .NET processes that can be inspected.</summary>
internal static class PsCommand
{
    public static ExitCode Run(TextWriter output)
    {
        List<ProcessEntry> processes = DotNetProcess.List();
        if (processes.Count == 0)
        {
            Console.Error.WriteLine("stackdepot: no other .NET process with a diagnostics endpoint found");
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
