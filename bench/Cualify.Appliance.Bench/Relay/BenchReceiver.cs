using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cualify.Appliance.Bench.Relay;

/// <summary>A keep-alive Kestrel webhook receiver on loopback: reads the body, answers 204, counts.</summary>
public sealed class BenchReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _count;

    private BenchReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public long Count => Interlocked.Read(ref _count);

    public static async Task<BenchReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new BenchReceiver(app);
        app.Run(async context =>
        {
            var body = context.Request.Body;
            var scratch = new byte[4096];
            while (await body.ReadAsync(scratch) > 0)
            {
            }

            Interlocked.Increment(ref receiver._count);
            context.Response.StatusCode = 204;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = new Uri(new Uri(address), "/hook");
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
