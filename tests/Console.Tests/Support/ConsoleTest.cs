namespace Cualify.Appliance.OperatorConsole.Tests.Support;

/// <summary>
/// A test of the console: the class shares one appliance and one browser, and the browser profiles a test opened
/// are closed when it ends, so that no page of an earlier test (a Live page holds an event stream open) keeps
/// the appliance busy while the next one runs.
/// </summary>
public abstract class ConsoleTest(ConsoleFixture fixture) : IClassFixture<ConsoleFixture>, IAsyncLifetime
{
    protected ConsoleFixture Fixture => fixture;

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => fixture.Browser.CloseContextsAsync();
}
