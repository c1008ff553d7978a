using System.CommandLine;
using Cualify.Appliance.Cli;
using Cualify.Appliance.Core.Health;
using Cualify.Appliance.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Doctor;

/// <summary>
/// <c>doctor</c>: checks the settings, then runs every registered <see cref="IDoctorCheck"/> in order (the host's
/// own — data folder, store, migrations, secret key, clock — then each feature's), one line each with a fix for
/// anything wrong. Changes nothing, so it is safe beside the running service. Exit code 1 when anything failed.
/// </summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var command = new Command("doctor", "Check settings, data folder, store, secret key, clock and every feature's connections, with a fix for each problem");
        command.SetAction((parse, cancellationToken) => RunAsync(ApplianceCommandLine.Settings(parse), Console.Out, cancellationToken));
        return command;
    }

    /// <param name="services">Extra registrations (tests add feature checks the way features do).</param>
    public static Task<int> RunAsync(ApplianceSettings settings, TextWriter output, CancellationToken cancellationToken, Action<IServiceCollection>? services = null) =>
        CliErrors.GuardAsync(() =>
        {
            ServiceFolderGuard.Check(settings.DataDirFullPath);
            return CheckAsync(settings, output, services, cancellationToken);
        });

    private static async Task<int> CheckAsync(ApplianceSettings settings, TextWriter output, Action<IServiceCollection>? extra, CancellationToken cancellationToken)
    {
        var report = new DoctorReport(output);
        WebApplication app;
        try
        {
            // The same composition root as run, so every feature's checks and settings are there; nothing starts,
            // and nothing is logged to the data folder (doctor often runs as root beside the service).
            app = ApplianceApp.Build(settings, services =>
            {
                extra?.Invoke(services);
                services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
            }, logToConsole: false, createDataDir: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or FileNotFoundException or FormatException or InvalidOperationException)
        {
            report.Write("config", ConfigurationFindings.Unreadable(ex, settings));
            output.WriteLine("The other checks need readable settings; fix the line above and run doctor again.");
            return report.Finish();
        }

        await using (app)
        {
            foreach (var finding in ConfigurationFindings.Collect(app.Services, (IConfigurationRoot)app.Configuration))
            {
                report.Write("config", finding);
            }

            foreach (var registration in app.Services.GetServices<DoctorCheckRegistration>())
            {
                await RunCheckAsync(app.Services, registration, report, cancellationToken);
            }
        }

        return report.Finish();
    }

    private static async Task RunCheckAsync(IServiceProvider services, DoctorCheckRegistration registration, DoctorReport report, CancellationToken cancellationToken)
    {
        IDoctorCheck check;
        try
        {
            check = (IDoctorCheck)services.GetRequiredService(registration.CheckType);
        }
        catch (OptionsValidationException)
        {
            report.Write(registration.CheckType.Name.Replace("Check", "", StringComparison.Ordinal).ToLowerInvariant(),
                DoctorResult.Warn("not checked: it needs the settings reported above", "fix the config lines above, then run doctor again"));
            return;
        }
        catch (Exception ex)
        {
            report.Write(registration.CheckType.Name.Replace("Check", "", StringComparison.Ordinal).ToLowerInvariant(),
                DoctorResult.Fail($"could not be set up: {ex.Message}", "fix the settings named above, then run doctor again"));
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(check.Timeout);
        DoctorResult result;
        try
        {
            result = await check.RunAsync(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OptionsValidationException)
        {
            result = DoctorResult.Warn("not checked: it needs the settings reported above", "fix the config lines above, then run doctor again");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = DoctorResult.Fail($"no answer within {check.Timeout.TotalSeconds:0} s", "see whether the service or host it checks is reachable from this machine");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            result = DoctorResult.Fail($"the check itself failed: {ex.Message}", "fix the cause named above, then run doctor again");
        }

        report.Write(check.Name, result);
    }
}
