using StackDepot.Cli.Async;

namespace StackDepot.Cli.Tests.Async;

public sealed class AwaitedThingNamesTests
{
    [Theory]
    [InlineData("System.Threading.SemaphoreSlim+TaskNode", true, null, "[awaiting SemaphoreSlim.WaitAsync]")]
    [InlineData("System.Threading.Tasks.Task+DelayPromiseWithCancellation", true, null, "[awaiting Task.Delay]")]
    [InlineData("System.Threading.Tasks.Task<System.Int32>", true, null, "[awaiting TaskCompletionSource<int>]")]
    [InlineData("System.Threading.Tasks.Task<System.Threading.Tasks.VoidTaskResult>", true, null, "[awaiting TaskCompletionSource]")]
    [InlineData("System.Threading.Tasks.Task", true, null, "[awaiting TaskCompletionSource]")]
    [InlineData("System.Threading.Tasks.Task", false, "App.Worker.Run()", "[task running App.Worker.Run()]")]
    [InlineData("System.Threading.Tasks.Task+WhenAllPromise<System.Int32>", true, null, "[Task.WhenAll]")]
    [InlineData("System.Threading.Tasks.Task+TwoTaskWhenAnyPromise<System.Threading.Tasks.Task>", true, null, "[Task.WhenAny]")]
    [InlineData("System.Threading.Tasks.ContinuationTaskFromTask", false, "App.After(System.Threading.Tasks.Task)", "[ContinueWith App.After(System.Threading.Tasks.Task)]")]
    [InlineData("App.CustomTask", false, null, "[awaiting App.CustomTask]")]
    public void Names_tasks_by_what_they_wait_for(string type, bool promise, string? method, string expected) =>
        Assert.Equal(expected, AwaitedThingNames.ForTask(type, promise, method));

    [Theory]
    [InlineData("System.Net.Sockets.Socket+AwaitableSocketAsyncEventArgs", 4, "[awaiting socket receive]")]
    [InlineData("System.Net.Sockets.Socket+AwaitableSocketAsyncEventArgs", 1, "[awaiting socket accept]")]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.Internal.SocketSender", 7, "[awaiting socket send]")]
    [InlineData("System.IO.Pipelines.Pipe+DefaultPipeReader", null, "[awaiting PipeReader.ReadAsync]")]
    [InlineData("System.Threading.Channels.BoundedChannel<System.Int32>+BlockedReadAsyncOperation<System.Int32>", null, "[awaiting ChannelReader.ReadAsync]")]
    [InlineData("App.Wire+Source", null, "[awaiting App.Wire+Source]")]
    public void Names_value_task_sources(string type, int? socketOperation, string expected) =>
        Assert.Equal(expected, AwaitedThingNames.ForSource(type, socketOperation));
}
