using Cualify.Appliance.Core.Recordings;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Dialer.Recording;

/// <summary>
/// At start-up: a recording a crash left open (still under its partial name) gets a header matching the audio on disk,
/// takes its final name and is registered like any finished one, so it plays up to the last frame written.
/// </summary>
public sealed class RecordingRecovery(CallRecordings recordings, DataDirectory dataDirectory, ILogger<RecordingRecovery> logger)
{
    public async Task<int> RecoverAsync(CancellationToken cancellationToken)
    {
        var folder = dataDirectory.Combine(RecordingFiles.Folder);
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var repaired = 0;
        foreach (var partial in Directory.EnumerateFiles(folder, "*.wav" + RecordingFiles.PartialSuffix, SearchOption.AllDirectories))
        {
            var final = partial[..^RecordingFiles.PartialSuffix.Length];
            try
            {
                var kept = StereoWavWriter.Repair(partial);
                File.Move(partial, final, overwrite: true);
                var callId = Path.GetFileNameWithoutExtension(final);
                await recordings.CompleteAsync(callId, Path.GetRelativePath(dataDirectory.Path, final), cancellationToken);
                logger.LogWarning("Call {CallId}: its recording was left open by an earlier stop; repaired, {Seconds:F1} s kept", callId, kept.TotalSeconds);
                repaired++;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                logger.LogError("The open recording {File} could not be repaired ({Detail})", Path.GetFileName(partial), ex.Message);
            }
        }

        return repaired;
    }
}
