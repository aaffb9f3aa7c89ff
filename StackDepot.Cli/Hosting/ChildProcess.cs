using System.Diagnostics;

namespace StackDepot.Cli.Hosting;

/// <summary>A .NET app started as a child process, with its stdout read line by line.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _readyPrefix;

    private ChildProcess(Process process, string readyPrefix)
    {
        _process = process;
        _readyPrefix = readyPrefix;
    }

    /// <summary>The child's pid.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Starts <c>dotnet <paramref name="dll"/></c>; <see cref="WaitReadyAsync"/> waits for a line starting with <paramref name="readyPrefix"/>.</summary>
    public static ChildProcess StartDll(string dll, string readyPrefix, Action<string>? onOtherLine = null)
    {
        var info = new ProcessStartInfo(DotnetHost.Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, readyPrefix);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                child._ready.TrySetException(new InvalidOperationException("the process closed its output before it was ready"));
                return;
            }

            if (e.Data.StartsWith(child._readyPrefix, StringComparison.Ordinal))
            {
                child._ready.TrySetResult(e.Data);
            }
            else
            {
                onOtherLine?.Invoke(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                onOtherLine?.Invoke(e.Data);
            }
        };
        process.Exited += (_, _) => child._ready.TrySetException(new InvalidOperationException($"the process exited with code {process.ExitCode} before it was ready"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Waits for the ready line; throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<string> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellation)
    {
        try
        {
            return await _ready.Task.WaitAsync(timeout, cancellation).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"no ready line within {timeout.TotalSeconds:0} s");
        }
    }

    /// <summary>Asks the child to stop by closing its stdin, then kills it if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        try
        {
            _process.StandardInput.Close();
            await _process.WaitForExitAsync(new CancellationTokenSource(grace).Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            Kill();
        }
    }

    /// <summary>Kills the child (and its descendants) if it still runs.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
        }
    }

    /// <summary>Kills the child if needed and releases the process handle.</summary>
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
