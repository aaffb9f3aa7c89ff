using StackDepot.Naming;

namespace StackDepot.Cli.Async;

/// <summary>
/// Frame names for what an async method waits on when it is not another async method: a <c>SemaphoreSlim</c> wait,
/// a <c>Task.Delay</c>, a <c>TaskCompletionSource</c>, socket I/O, a channel, <c>Task.WhenAll</c>... from the type
/// of the task or ValueTask source. Bracketed, as every frame that is not a method.
/// </summary>
internal static class AwaitedThingNames
{
    private const string Tasks = "System.Threading.Tasks.";

    /// <summary>A pending task that is not an async method's box.</summary>
    /// <param name="typeName">Its type, as ClrMD prints it.</param>
    /// <param name="isPromise">Created without a delegate to run (<c>InternalTaskOptions.PromiseTask</c>).</param>
    /// <param name="delegateMethod">The method its delegate runs (<c>Task.Run</c>, <c>ContinueWith</c>), if any.</param>
    public static string ForTask(string typeName, bool isPromise, string? delegateMethod)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        switch (typeName)
        {
            case "System.Threading.SemaphoreSlim+TaskNode":
                return "[awaiting SemaphoreSlim.WaitAsync]";
            case Tasks + "Task+DelayPromise":
            case Tasks + "Task+DelayPromiseWithCancellation":
                return "[awaiting Task.Delay]";
            case Tasks + "Task+WhenAllPromise":
                return "[Task.WhenAll]";
        }

        if (typeName.StartsWith(Tasks + "Task+WhenAllPromise<", StringComparison.Ordinal))
        {
            return "[Task.WhenAll]";
        }

        if (typeName.StartsWith(Tasks + "Task+TwoTaskWhenAnyPromise<", StringComparison.Ordinal) ||
            typeName.StartsWith(Tasks + "TaskFactory+CompleteOnInvokePromise<", StringComparison.Ordinal))
        {
            return "[Task.WhenAny]";
        }

        if (typeName.StartsWith(Tasks + "Task+CancellationPromise<", StringComparison.Ordinal))
        {
            return "[Task.WaitAsync]";
        }

        if (typeName.StartsWith(Tasks + "UnwrapPromise<", StringComparison.Ordinal))
        {
            return "[Task.Unwrap]";
        }

        if (typeName.StartsWith(Tasks + "ValueTask+ValueTaskSourceAsTask", StringComparison.Ordinal))
        {
            return "[ValueTask.AsTask]";
        }

        if (typeName.StartsWith(Tasks + "Continuation", StringComparison.Ordinal))
        {
            return delegateMethod is null ? "[ContinueWith]" : "[ContinueWith " + delegateMethod + "]";
        }

        bool plainTask = typeName == Tasks + "Task" || typeName.StartsWith(Tasks + "Task<", StringComparison.Ordinal);
        if (plainTask && delegateMethod is not null)
        {
            return "[task running " + delegateMethod + "]";
        }

        if (plainTask && isPromise)
        {
            string result = typeName.Length > (Tasks + "Task<").Length ? typeName[(Tasks + "Task<").Length..^1] : string.Empty;
            return result.Length == 0 || result == Tasks + "VoidTaskResult"
                ? "[awaiting TaskCompletionSource]"
                : "[awaiting TaskCompletionSource<" + ShortTypeName(result) + ">]";
        }

        return delegateMethod is null ? "[awaiting " + typeName + "]" : "[awaiting " + typeName + " running " + delegateMethod + "]";
    }

    /// <summary>An awaited object that is not a task: the source behind a ValueTask, or a custom awaiter.</summary>
    /// <param name="typeName">Its type, as ClrMD prints it.</param>
    /// <param name="socketOperation">For socket event args (<c>SocketAsyncEventArgs</c> and the types built on it,
    /// such as Kestrel's receiver and sender): the operation in flight, a <c>SocketAsyncOperation</c> value.</param>
    public static string ForSource(string typeName, int? socketOperation)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        if (socketOperation is { } operation)
        {
            return operation switch
            {
                1 => "[awaiting socket accept]",
                2 => "[awaiting socket connect]",
                3 => "[awaiting socket disconnect]",
                4 or 5 or 6 => "[awaiting socket receive]",
                7 or 8 or 9 => "[awaiting socket send]",
                _ => "[awaiting socket I/O]",
            };
        }

        switch (typeName)
        {
            case "System.IO.Pipelines.Pipe+DefaultPipeReader":
            case "System.IO.Pipelines.Pipe":
                return "[awaiting PipeReader.ReadAsync]";
            case "System.IO.Pipelines.Pipe+DefaultPipeWriter":
                return "[awaiting PipeWriter.FlushAsync]";
        }

        if (typeName.StartsWith("System.Threading.Channels.", StringComparison.Ordinal))
        {
            return typeName.Contains("BlockedReadAsyncOperation", StringComparison.Ordinal) ? "[awaiting ChannelReader.ReadAsync]"
                : typeName.Contains("BlockedWriteAsyncOperation", StringComparison.Ordinal) ? "[awaiting ChannelWriter.WriteAsync]"
                : "[awaiting channel " + ShortName(typeName) + "]";
        }

        return "[awaiting " + typeName + "]";
    }

    /// <summary>A suspended method whose awaiter holds nothing to follow.</summary>
    /// <param name="awaiterType">The awaiter's type; <c>YieldAwaitable+YieldAwaiter</c> means the method is queued.</param>
    public static string ForAwaiter(string awaiterType)
    {
        ArgumentNullException.ThrowIfNull(awaiterType);
        return awaiterType == "System.Runtime.CompilerServices.YieldAwaitable+YieldAwaiter"
            ? "[Task.Yield: queued to run]"
            : "[awaiting " + awaiterType + "]";
    }

    /// <summary>The awaited task has completed: the method is queued or about to run.</summary>
    public const string CompletedTask = "[awaited task completed: continuation queued or running]";

    /// <summary>A callback continuation that is not a task (a <c>ContinueWith</c> action, a registered delegate).</summary>
    public static string ForCallback(string what) => "[continues in " + what + "]";

    /// <summary>A type as the product names types in frames (<c>int</c> for <c>System.Int32</c>, no namespaces).</summary>
    private static string ShortTypeName(string typeName) =>
        MetadataNameParser.TryParseType(typeName) is { } type ? ReadableNameFormatter.ShortName(type) : typeName;

    private static string ShortName(string typeName)
    {
        int generic = typeName.IndexOf('<', StringComparison.Ordinal);
        string plain = generic >= 0 ? typeName[..generic] : typeName;
        int dot = plain.LastIndexOf('.');
        return dot >= 0 ? typeName[(dot + 1)..] : typeName;
    }
}
