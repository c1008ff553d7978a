using Cualify.Appliance.Core.Health;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.OperatorConsole.Health;

/// <summary>The build the console belongs to, as the host names it.</summary>
public sealed record ConsoleBuild(string Version);

/// <summary>
/// The System page's checks: the same readiness checks as <c>/readyz</c> and the same checks as <c>doctor</c>, each
/// bounded by its own timeout, a failure or a throw reported as that check's finding.
/// </summary>
public sealed class SystemChecks(IServiceProvider services, IEnumerable<IReadinessCheck> readiness, IEnumerable<DoctorCheckRegistration> doctor)
{
    public static readonly TimeSpan ReadinessTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<(string Name, ReadinessResult Result)>> ReadinessAsync(CancellationToken cancellationToken)
    {
        var results = new List<(string, ReadinessResult)>();
        foreach (var check in readiness)
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(ReadinessTimeout);
            try
            {
                results.Add((check.Name, await check.CheckAsync(bounded.Token)));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                results.Add((check.Name, ReadinessResult.Failed(ex is OperationCanceledException ? "no answer within 5 s" : ex.Message)));
            }
        }

        return results;
    }

    public async Task<IReadOnlyList<(string Name, DoctorResult Result)>> DoctorAsync(CancellationToken cancellationToken)
    {
        var results = new List<(string, DoctorResult)>();
        foreach (var registration in doctor)
        {
            IDoctorCheck check;
            try
            {
                check = (IDoctorCheck)services.GetRequiredService(registration.CheckType);
            }
            catch (Exception ex)
            {
                results.Add((registration.CheckType.Name, DoctorResult.Fail($"could not be set up: {ex.Message}", "Fix the setting it names and restart")));
                continue;
            }

            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(check.Timeout);
            try
            {
                results.Add((check.Name, await check.RunAsync(bounded.Token)));
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                results.Add((check.Name, DoctorResult.Fail(ex is OperationCanceledException ? $"no answer within {check.Timeout.TotalSeconds:0} s" : ex.Message, "See the appliance log")));
            }
        }

        return results;
    }
}
