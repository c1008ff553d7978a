using System.CommandLine;
using Cualify.Appliance.Core.Secrets;
using Cualify.Appliance.Core.Store;
using Cualify.Appliance.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Cualify.Appliance.Cli;

/// <summary>
/// <c>run</c>: migrates the store, initialises it when fresh (printing the first admin key once), then serves
/// the API and runs the workers until stopped.
/// </summary>
public static class RunCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Listen URLs (default http://127.0.0.1:8080)" };
        var command = new Command("run", "Run the appliance (the default)") { urls };
        command.SetAction((parse, cancellationToken) => RunAsync(ApplianceCommandLine.Settings(parse, parse.GetValue(urls)), cancellationToken));
        return command;
    }

    public static Task<int> RunAsync(ApplianceSettings settings, CancellationToken cancellationToken) =>
        CliErrors.GuardAsync(async () =>
        {
            ServiceFolderGuard.Check(settings.DataDirFullPath);
            await using var app = ApplianceApp.Build(settings);
            await StartAsync(app, cancellationToken);
            await app.WaitForShutdownAsync(CancellationToken.None);
            return 0;
        });

    /// <summary>Initialises the store, then starts the host; tests use the same path.</summary>
    public static async Task<ApplianceInitializer.Result> StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var result = await app.Services.GetRequiredService<ApplianceInitializer>().InitializeAsync(cancellationToken);
        if (result.FirstAdminKey is not null)
        {
            AnnounceFirstKey(result.FirstAdminKey, app.Services.GetRequiredService<DataDirectory>());
        }

        await OperatorConsole.Sessions.StoreKeyRing.PrepareAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// In the foreground the key goes to the terminal. A service's output goes to the journal or nowhere, so there
    /// it is written to a file only the service account can read, to be read once and deleted.
    /// </summary>
    private static void AnnounceFirstKey(string key, DataDirectory dataDirectory)
    {
        if (!BuildInfo.RunsAsService)
        {
            Console.Out.WriteLine("Fresh store: created org 'default'. Its first admin key, shown only this once:");
            Console.Out.WriteLine(key);
            return;
        }

        var path = dataDirectory.Combine("first-admin-key.txt");
        var create = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(path, create)))
        {
            writer.WriteLine(key);
        }

        Console.Out.WriteLine($"Fresh store: created org 'default'. Its first admin key is in {path} (readable only by the service account): read it, then delete the file.");
    }
}
