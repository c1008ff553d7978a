using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Mailer.Sending;
using MailKit.Security;

namespace Cualify.Appliance.Mailer.Health;

/// <summary>
/// <c>/readyz</c> for mail: with SMTP configured, the server answers and takes the login (checked at most every
/// 30 s); without, the pickup folder is writable.
/// </summary>
public sealed class SmtpReadiness(IMailTransport transport, TimeProvider time) : IReadinessCheck
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private (DateTimeOffset At, ReadinessResult Result)? _last;

    public string Name => "smtp";

    public async Task<ReadinessResult> CheckAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_last is { } last && time.GetUtcNow() - last.At < CacheFor)
            {
                return last.Result;
            }

            var result = await ProbeAsync(transport, cancellationToken);
            _last = (time.GetUtcNow(), result);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<ReadinessResult> ProbeAsync(IMailTransport transport, CancellationToken cancellationToken)
    {
        switch (transport)
        {
            case SmtpTransport smtp:
                try
                {
                    await smtp.ProbeAsync(cancellationToken);
                    return ReadinessResult.Ok();
                }
                catch (AuthenticationException)
                {
                    return ReadinessResult.Failed("the SMTP server refused the login; check Mailer:Smtp:Username and Password");
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    return ReadinessResult.Failed($"cannot reach the SMTP server: {ex.Message}");
                }

            case PickupDirectoryTransport pickup:
                try
                {
                    Directory.CreateDirectory(pickup.Directory);
                    var probe = Path.Combine(pickup.Directory, $".ready-{Guid.NewGuid():N}");
                    await File.WriteAllTextAsync(probe, "", cancellationToken);
                    File.Delete(probe);
                    return ReadinessResult.Ok($"no SMTP server set; mail goes to {pickup.Directory}");
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    return ReadinessResult.Failed($"cannot write to the pickup folder {pickup.Directory}: {ex.Message}");
                }

            default:
                return ReadinessResult.Ok();
        }
    }
}
