using System.CommandLine;
using StackDepot.Cli.Allocations;

namespace StackDepot.Cli.Commands;

/// <summary>
/// <c>stackdepot leaks</c>: the stacks whose sampled objects are still alive after a final full collection, by live
/// bytes, with their growth per gen2 collection, in the style of LeakSanitizer and the kernel's ref_tracker.
/// </summary>
internal static class LeaksCommand
{
    /// <summary>The command: target, duration and report options, and its action.</summary>
    public static Command Create(CliContext context)
    {
        var options = new AllocationOptions(context.Formats, TimeSpan.FromSeconds(60), withView: false);
        var command = new Command("leaks", "Record allocations, follow the sampled objects through collections, and print the stacks whose objects are still alive, with their growth per gen2 collection.");
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
            (int)await AllocationRunner.RunAsync(options.Read(parse, AllocationView.Leaks), context, cancellation).ConfigureAwait(false));
        return command;
    }
}
