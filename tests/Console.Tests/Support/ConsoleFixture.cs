namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>One appliance and one browser shared by a test class; each test signs in in its own browser context.</summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    public ConsoleHarness Harness { get; private set; } = null!;

    public ConsoleBrowser Browser { get; private set; } = null!;

    public Uri BaseAddress => Harness.BaseAddress;

    public async Task InitializeAsync()
    {
        Harness = await ConsoleHarness.StartAsync();
        Browser = await ConsoleBrowser.LaunchAsync();
    }

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        await Harness.DisposeAsync();
    }
}
