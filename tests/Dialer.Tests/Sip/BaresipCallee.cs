using System.Diagnostics;
using System.Text;
using Cualify.Appliance.Core.Playbooks.Audio;
using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Dialer.Tests.Sip;

/// <summary>
/// baresip as a real callee on 127.0.0.1: one account that answers at once, says what <c>source.wav</c> holds (and
/// hangs up when it runs out), and, through its <c>sndfile</c> module, writes what it decoded from our RTP to a WAV.
/// </summary>
public sealed class BaresipCallee : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TempDirectory _folder;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BaresipCallee(Process process, TempDirectory folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>
    /// Starts baresip answering <paramref name="number"/>, speaking <paramref name="sourceWav"/> (8 kHz 16-bit mono);
    /// with <paramref name="mediaEncryption"/> (e.g. <c>srtp-mand</c>, <c>srtp</c>) it loads <c>srtp.so</c> and
    /// sets the account's <c>mediaenc</c>.
    /// </summary>
    public static async Task<BaresipCallee> StartAsync(string number, byte[] sourceWav, string? mediaEncryption = null)
    {
        // The port is free for UDP when chosen, but baresip also listens on TCP and TLS there and next to it, where another
        // test's socket may already be: with a clash it exits at once, so it is started again on other ports.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(number, sourceWav, mediaEncryption);
            }
            catch (Xunit.Sdk.XunitException ex) when (attempt < 3 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    private static async Task<BaresipCallee> StartOnceAsync(string number, byte[] sourceWav, string? mediaEncryption)
    {
        var baresip = RequiredTool.Find("baresip", "sudo apt-get install -y baresip");
        var folder = new TempDirectory("baresip");
        var port = FreePorts.Udp();
        var rtp = FreePorts.UdpPair();
        var source = folder.Combine("source.wav");
        await File.WriteAllBytesAsync(source, sourceWav);
        Directory.CreateDirectory(folder.Combine("heard"));
        await File.WriteAllTextAsync(folder.Combine("config"), $"""
            sip_listen 127.0.0.1:{port}
            net_interface 127.0.0.1
            rtp_ports {rtp}-{rtp + 1}
            audio_player none,none
            audio_source aufile,{source}
            module_path /usr/lib/baresip/modules
            module g711.so
            module aufile.so
            module sndfile.so
            {(mediaEncryption is null ? "" : "module srtp.so")}
            module account.so
            module menu.so
            snd_path {folder.Combine("heard")}
            """);
        await File.WriteAllTextAsync(folder.Combine("accounts"),
            $"<sip:{number}@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA;audio_source=aufile,{source}" +
            (mediaEncryption is null ? "" : $";mediaenc={mediaEncryption}") + "\n");
        var start = new ProcessStartInfo(baresip) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-f", folder.Path, "-v" })
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var callee = new BaresipCallee(process, folder, port);
        process.Exited += (_, _) => callee._ready.TrySetException(new InvalidOperationException("baresip exited"));
        process.OutputDataReceived += (_, e) => callee.Append(e.Data);
        process.ErrorDataReceived += (_, e) => callee.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await callee._ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            var output = callee.Output();
            await callee.DisposeAsync();
            throw new Xunit.Sdk.XunitException($"baresip did not get ready:\n{output}");
        }

        return callee;
    }

    /// <summary>
    /// What baresip decoded from our RTP, as mono samples in [-1, 1] at 8 kHz. baresip writes the file as audio arrives
    /// and closes it at hangup, so this waits (up to 10 s) for it to be complete.
    /// </summary>
    public async Task<float[]> HeardAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var decoded = Directory.GetFiles(_folder.Combine("heard"), "*-dec.wav");
            if (decoded.Length == 1 && Output().Contains("terminated", StringComparison.OrdinalIgnoreCase))
            {
                var wav = WavDecoder.Decode(await File.ReadAllBytesAsync(decoded[0]), TimeSpan.FromHours(1));
                Assert.Equal(8000, wav.SampleRate);
                return wav.Samples;
            }

            if (limit.IsCancellationRequested)
            {
                throw new Xunit.Sdk.XunitException($"baresip wrote no decoded audio ({string.Join(", ", Directory.GetFiles(_folder.Combine("heard")))}):\n{Output()}");
            }

            await Task.Delay(100, CancellationToken.None);
        }
    }

    public string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("baresip is ready", StringComparison.OrdinalIgnoreCase))
        {
            _ready.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Dispose();
    }
}
