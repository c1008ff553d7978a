using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Cualify.Appliance.LocalApi.Tests.ApiDescription;

/// <summary>Compiles generated client code with Roslyn against the assemblies this test process runs on.</summary>
public static class ClientCompiler
{
    private static readonly string[] Symbols =
    [
        "NET", "NETCOREAPP", "NET10_0", "NETCOREAPP3_1_OR_GREATER", "NET5_0_OR_GREATER", "NET6_0_OR_GREATER", "NET8_0_OR_GREATER",
        "NET10_0_OR_GREATER", "NETSTANDARD2_1_OR_GREATER",
    ];

    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    public static Assembly Compile(string name, IEnumerable<string> sources)
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest, preprocessorSymbols: Symbols);
        var trees = sources.Append(GlobalUsings).Select(source => CSharpSyntaxTree.ParseText(source, options)).ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create(name, trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Take(20).ToList();
        Assert.True(result.Success, "The generated client does not compile:\n" + string.Join("\n", errors));
        image.Position = 0;
        return AssemblyLoadContext.Default.LoadFromStream(image);
    }
}
