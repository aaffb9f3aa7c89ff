using System.CommandLine;
using StackDepot.Cli.Allocations;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot alloc</c>: allocation sites of a running process (or of a program started under the tool) by stack,
/// from the runtime's sampled allocation events, with estimated objects and bytes, their types, and what is still
/// alive (see docs/allocations.md).
/// </summary>
internal static class AllocCommand
{
    /// <summary>The command: target, duration, view and report options, and its action.</summary>
    public static Command Create(CliContext context)
    {
        var options = new AllocationOptions(context.Formats, TimeSpan.FromSeconds(10), withView: true);
        var command = new Command("alloc", "Record which stacks allocate how many bytes and objects (estimated from the runtime's allocation samples), or with --view live what is still alive.");
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
            (int)await AllocationRunner.RunAsync(options.Read(parse), context, cancellation).ConfigureAwait(false));
        return command;
    }
}
