using Cualify.Appliance.Testing;

namespace Cualify.Appliance.Bench.Sip;

/// <summary>A TLS front end (certificate from a test CA, for 127.0.0.1) before a TCP sipp, and the CA's PEM file.</summary>
public sealed class TlsTrunk : IAsyncDisposable
{
    private readonly TestCertificates _certificates;
    private readonly TlsFrontEnd _frontEnd;
    private readonly TempDirectory _folder;

    private TlsTrunk(TestCertificates certificates, TlsFrontEnd frontEnd, TempDirectory folder, string caFile)
    {
        _certificates = certificates;
        _frontEnd = frontEnd;
        _folder = folder;
        CaFile = caFile;
    }

    public int Port => _frontEnd.Port;

    public string CaFile { get; }

    public static TlsTrunk Start(int sippPort)
    {
        var certificates = new TestCertificates();
        var folder = new TempDirectory("bench-tls");
        var caFile = certificates.WriteAuthorityPem(folder.Path);
        return new TlsTrunk(certificates, new TlsFrontEnd(certificates.Server("127.0.0.1"), sippPort), folder, caFile);
    }

    public async ValueTask DisposeAsync()
    {
        await _frontEnd.DisposeAsync();
        _certificates.Dispose();
        _folder.Dispose();
    }
}
