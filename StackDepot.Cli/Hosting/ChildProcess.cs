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

    /// <summary>The pid of the process started (on Unix the shell above the app; see <see cref="ReadyPid"/>).</summary>
    public int Pid => _process.Id;

    /// <summary>The app's own pid, as the second word of its ready line (<c>READY 1234</c>); 0 before it is ready.</summary>
    public int ReadyPid { get; private set; }

    /// <summary>True once the child has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/></c>; <see cref="WaitReadyAsync"/> waits for a line starting with
    /// <paramref name="readyPrefix"/>. On Unix the app runs under a shell that waits for it, one level below this
    /// process: .NET reaps the state changes of the children it starts itself (SIGCHLD), which steals the
    /// ptrace stop notifications ClrMD waits for, so a process cannot be attached to by the process that started it.
    /// The app reports its own pid in its ready line.
    /// </summary>
    public static ChildProcess StartDll(string dll, string readyPrefix, Action<string>? onOtherLine = null) =>
        StartDllWithArguments(dll, [], readyPrefix, onOtherLine);

    /// <summary>As <see cref="StartDll"/>, with arguments for the app.</summary>
    public static ChildProcess StartDllWithArguments(string dll, IReadOnlyList<string> arguments, string readyPrefix, Action<string>? onOtherLine = null)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (OperatingSystem.IsWindows())
        {
            info.FileName = DotnetHost.Find();
            info.ArgumentList.Add(dll);
            foreach (string argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
        }
        else
        {
            // "; exit" keeps the shell from exec-ing the app in its own place.
            info.FileName = "/bin/sh";
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add("\"$0\" \"$@\"; exit $?");
            info.ArgumentList.Add(DotnetHost.Find());
            info.ArgumentList.Add(dll);
            foreach (string argument in arguments)
            {
                info.ArgumentList.Add(argument);
            }
        }

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
                string[] words = e.Data.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                child.ReadyPid = words.Length > 1 && int.TryParse(words[1], System.Globalization.CultureInfo.InvariantCulture, out int pid) ? pid : process.Id;
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
