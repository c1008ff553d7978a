using System.Text.RegularExpressions;
using System.Threading.Channels;
using Cualify.Appliance.Core.Api;
using Cualify.Appliance.Core.Cluster;
using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Dialer.Recording;
using Cualify.Appliance.Dialer.Telephony;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Dialer.Twilio;

/// <summary>
/// Brings the recordings Twilio made of recorded calls into the store: each placed recorded call is listed in
/// <see cref="RecordingDownloads"/>; once it has ended, its recording — named by Twilio's signed recording callback,
/// or else found by listing the call's recordings — is downloaded as WAV (basic auth, the SDK's client), put in the
/// store's channel order under <c>recordings/</c> and registered, so <c>recording_url</c> and
/// <c>call.recording_ready</c> work as they do on SIP. Failures are retried with backoff; a restart resumes the list.
/// With several nodes on one store only the leader (<see cref="LeaderLease"/>) fetches; any node takes the callback.
/// </summary>
public sealed partial class TwilioRecordingFetcher(
    TwilioClient client,
    RecordingDownloads downloads,
    CallRecordings recordings,
    DataDirectory dataDirectory,
    LeaderLease leader,
    IOptions<TwilioOptions> options,
    IOptions<ApiOptions> api,
    TimeProvider time,
    ILogger<TwilioRecordingFetcher> logger) : BackgroundService
{
    /// <summary>Looks (listings and downloads) before an awaited recording is given up, about two hours of backoff.</summary>
    public const int MaxAttempts = 30;

    private const int Batch = 16;
    private const string DownloadSuffix = ".download";
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>A placed call whose playbook records: its recording will be fetched once it has ended.</summary>
    public async Task ExpectAsync(CallPlan plan, string callSid, CancellationToken cancellationToken)
    {
        try
        {
            await downloads.ExpectAsync(plan.CallId, plan.OrgId, callSid, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Call {CallId}: its Twilio recording could not be put on the download list; it stays at Twilio as {CallSid}", plan.CallId, callSid);
        }
    }

    /// <summary>Twilio's recording callback: a completed recording is fetched at once; other statuses change nothing.</summary>
    public async Task RecordingStatusAsync(string callId, IReadOnlyDictionary<string, string> form, CancellationToken cancellationToken)
    {
        var status = form.GetValueOrDefault("RecordingStatus");
        var recordingSid = form.GetValueOrDefault("RecordingSid") ?? "";
        var callSid = form.GetValueOrDefault("CallSid") ?? "";
        if (status != "completed")
        {
            logger.LogInformation("Call {CallId}: Twilio's recording {RecordingSid} is {Status}", callId, recordingSid, status);
            return;
        }

        if (!RecordingSidPattern().IsMatch(recordingSid))
        {
            logger.LogWarning("Call {CallId}: Twilio's recording callback names no valid RecordingSid; ignored", callId);
            return;
        }

        if (!await downloads.ReadyAsync(callId, callSid, recordingSid, cancellationToken))
        {
            logger.LogInformation("Call {CallId}: recording {RecordingSid} of {CallSid} is not awaited (already fetched, or another call's); ignored", callId, recordingSid, callSid);
            return;
        }

        _wake.Writer.TryWrite(true);
    }

    /// <summary>Fetches every awaited recording that is due once; the loop calls it every poll interval and on callbacks.</summary>
    public async Task FetchDueAsync(CancellationToken cancellationToken)
    {
        foreach (var due in await downloads.DueAsync(time.GetUtcNow(), Batch, cancellationToken))
        {
            await FetchAsync(due, cancellationToken);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => leader.RunWhileLeaderAsync(FetchLoopAsync, stoppingToken);

    private async Task FetchLoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FetchDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogError(ex, "Fetching Twilio recordings failed");
            }

            using var tick = new CancellationTokenSource(options.Value.RecordingPollInterval, time);
            using var either = CancellationTokenSource.CreateLinkedTokenSource(tick.Token, stoppingToken);
            try
            {
                await _wake.Reader.ReadAsync(either.Token);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // The poll interval is over.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task FetchAsync(PendingRecordingDownload due, CancellationToken cancellationToken)
    {
        if (due.ContactErased || due.AnsweredAt is null)
        {
            // Nothing was said that Twilio could have recorded, or the callee's data is gone.
            await downloads.ForgetAsync(due.CallId, cancellationToken);
            return;
        }

        var recordingSid = due.RecordingId;
        if (recordingSid is null && due.Attempts == 0 && api.Value.PublicBase is not null)
        {
            // Twilio calls back when the recording is ready; list only if that callback never comes.
            await downloads.RetryAsync(due.CallId, time.GetUtcNow() + options.Value.CallbackSafetyPollInterval, cancellationToken: cancellationToken);
            return;
        }

        try
        {
            recordingSid ??= await FindCompletedAsync(due, cancellationToken);
            if (recordingSid is null)
            {
                await RetryOrGiveUpAsync(due, null, "Twilio lists no completed recording of the call yet", cancellationToken);
                return;
            }

            await DownloadAsync(due, recordingSid, cancellationToken);
        }
        catch (TwilioApiException ex) when (ex.HttpStatus == 404)
        {
            logger.LogWarning("Call {CallId}: Twilio no longer has its recording {RecordingSid} (404); none is kept", due.CallId, recordingSid);
            await downloads.ForgetAsync(due.CallId, cancellationToken);
        }
        catch (UnsupportedRecordingException ex)
        {
            logger.LogError("Call {CallId}: Twilio's recording {RecordingSid} cannot be kept: {Problem}", due.CallId, recordingSid, ex.Message);
            await downloads.ForgetAsync(due.CallId, cancellationToken);
        }
        catch (Exception ex) when (ex is TwilioApiException or HttpRequestException or IOException or Polly.Timeout.TimeoutRejectedException
                                       || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            await RetryOrGiveUpAsync(due, recordingSid, ex.Message, cancellationToken);
        }
    }

    private async Task<string?> FindCompletedAsync(PendingRecordingDownload due, CancellationToken cancellationToken)
    {
        var listed = await client.ListCallRecordingsAsync(due.ProviderCallId, cancellationToken);
        return listed.FirstOrDefault(r => r.Status?.ToString() == "completed")?.Sid;
    }

    private async Task DownloadAsync(PendingRecordingDownload due, string recordingSid, CancellationToken cancellationToken)
    {
        var relative = RecordingFiles.RelativePath(due.OrgId, due.CallId);
        var final = dataDirectory.Combine(relative);
        var partial = final + DownloadSuffix;
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        File.Delete(partial);
        long bytes;
        try
        {
            bytes = 0;
            await client.DownloadRecordingAsync(recordingSid, async (media, token) => bytes = await TwilioRecordingWav.WriteAsync(media, partial, token), cancellationToken);
            File.Move(partial, final, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        await recordings.CompleteAsync(due.CallId, relative, TwilioTelephonyProvider.ProviderName, cancellationToken);
        await downloads.ForgetAsync(due.CallId, cancellationToken);
        logger.LogInformation("Call {CallId}: Twilio's recording {RecordingSid} stored ({Seconds:F1} s)", due.CallId, recordingSid,
            bytes / (double)(StereoWavWriter.SampleRate * StereoWavWriter.BytesPerFrame));
    }

    private async Task RetryOrGiveUpAsync(PendingRecordingDownload due, string? recordingSid, string problem, CancellationToken cancellationToken)
    {
        if (due.Attempts + 1 >= MaxAttempts)
        {
            logger.LogError("Call {CallId}: gave up fetching its Twilio recording after {Attempts} tries ({Problem}); it stays at Twilio under {CallSid}",
                due.CallId, due.Attempts + 1, problem, due.ProviderCallId);
            await downloads.ForgetAsync(due.CallId, cancellationToken);
            return;
        }

        var wait = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, options.Value.RecordingPollInterval.Ticks << Math.Min(due.Attempts, 16)));
        logger.LogInformation("Call {CallId}: its Twilio recording is not fetched yet ({Problem}); trying again in {Wait}", due.CallId, problem, wait);
        await downloads.RetryAsync(due.CallId, time.GetUtcNow() + wait, recordingSid, cancellationToken: cancellationToken);
    }

    [GeneratedRegex("^RE[0-9a-fA-F]{32}$")]
    private static partial Regex RecordingSidPattern();
}
