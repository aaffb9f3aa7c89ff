using System.CommandLine;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using StackDepot.Cli.Options;
using StackDepot.Cli.Output;
using StackDepot.Cli.Targets;

namespace StackDepot.Cli.Commands;

/// <summary><c>stackdepot dump</c>: asks the target's runtime to write a dump (as <c>dotnet-dump collect</c> does).</summary>
internal static class DumpCommand
{
    /// <summary>The accepted <c>--type</c> values.</summary>
    public static readonly string[] Types = ["mini", "heap", "full", "triage"];

    /// <summary>The command: <c>--pid</c> or <c>--name</c>, <c>-o</c> (required), <c>--type</c>.</summary>
    public static Command Create(CliContext context)
    {
        var target = new TargetOptions(allowDump: false);
        var output = new Option<string>("--output", "-o") { Description = "Dump file to write", Required = true, HelpName = "FILE" };
        Option<string> type = CommonOptions.OneOf(new Option<string>("--type")
        {
            Description = "mini (threads, stacks, modules: enough for 'stacks --dump'), heap (plus the GC heap), full (all memory), triage",
            DefaultValueFactory = _ => "mini",
        }, Types);
        var command = new Command("dump", "Have the target's runtime write a dump file, to read later with 'stacks --dump'.");
        target.AddTo(command);
        command.Add(output);
        command.Add(type);
        command.SetAction(parse =>
        {
            TargetSelection selection = target.Read(parse);
            return (int)Run(context.Console, selection.Pid, selection.Name, parse.GetValue(output)!, parse.GetValue(type)!);
        });
        return command;
    }

    /// <summary>Writes the dump; one line on stderr says where and how large.</summary>
    public static ExitCode Run(ICliConsole console, int? pid, string? name, string outputPath, string type)
    {
        int target = DotNetProcess.Resolve(pid, name);
        string full = CheckWritable(outputPath);
        DotNetProcess.CheckIsProcess(target);
        DumpType dumpType = type switch
        {
            "mini" => DumpType.Normal,
            "heap" => DumpType.WithHeap,
            "full" => DumpType.Full,
            "triage" => DumpType.Triage,
            _ => throw new CliException(ExitCode.Usage, $"unknown dump type '{type}' (mini, heap, full, triage)"),
        };

        try
        {
            new DiagnosticsClient(target).WriteDump(dumpType, full, logDumpGeneration: false);
        }
        catch (ServerNotAvailableException e)
        {
            throw DotNetProcess.EndpointUnreachable(target, e);
        }
        catch (Exception e) when (e is ServerErrorException or UnsupportedCommandException or DiagnosticsClientException)
        {
            throw new CliException(ExitCode.Failure, $"the runtime of process {target} could not write the dump: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw DotNetProcess.PermissionDenied(target, e);
        }

        if (!File.Exists(full))
        {
            throw new CliException(ExitCode.Failure, $"the runtime of process {target} reported success but {full} does not exist");
        }

        long bytes = new FileInfo(full).Length;
        console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stackdepot: wrote a {type} dump of process {target} to {full} ({bytes / (1024.0 * 1024.0):0.0} MiB)"));
        return ExitCode.Success;
    }

    /// <summary>The full path, after checking that its directory exists and takes new files.</summary>
    private static string CheckWritable(string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write dump file {path}: {e.Message}", e);
        }

        string? directory = Path.GetDirectoryName(full);
        if (Directory.Exists(full) || directory is null || !Directory.Exists(directory))
        {
            throw new CliException(ExitCode.OutputNotWritable,
                Directory.Exists(full) ? $"cannot write dump file {path}: it is a directory" : $"cannot write dump file {path}: directory {directory} does not exist");
        }

        string probe = Path.Combine(directory, $".stackdepot-probe-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe))
            {
            }

            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCode.OutputNotWritable, $"cannot write dump file {path}: {(e is UnauthorizedAccessException ? "permission denied" : e.Message)}", e);
        }

        return full;
    }
}
