using System.Text;

namespace Vae.Cli;

public static class Dispatcher
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
        {
            Console.Out.Write(MainHelp());
            return args.Length == 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        }
        var command = Find(args, out int used);
        if (command == null)
        {
            Console.Error.WriteLine($"vae: unknown command '{string.Join(' ', args.Take(Math.Max(1, used)))}' (see 'vae --help')");
            return ExitCodes.BadInput;
        }
        using var signals = StopSignal.ExitOnSignal(command.Name);
        try
        {
            return command.Run(args[used..]);
        }
        catch (Exception e) when (ErrorReport.Describe(e, command.Name) is { } report)
        {
            Console.Error.WriteLine(report.Message);
            return report.Code;
        }
    }

    private static ICommand? Find(string[] args, out int used)
    {
        // Prefer the two-word match ("bench matmul") over the one-word one.
        if (args.Length >= 2)
        {
            string two = args[0] + " " + args[1];
            var c2 = Array.Find(CommandTable.All, c => c.Name == two);
            if (c2 != null) { used = 2; return c2; }
        }
        used = 1;
        var c1 = Array.Find(CommandTable.All, c => c.Name == args[0]);
        if (c1 == null && Array.Exists(CommandTable.All, c => c.Name.StartsWith(args[0] + " ", StringComparison.Ordinal)))
            used = Math.Min(2, args.Length);
        return c1;
    }

    public static string MainHelp()
    {
        var sb = new StringBuilder();
        sb.Append("vae — a variational autoencoder from scratch (own tensors, autodiff and SIMD kernels)\n\n");
        sb.Append("usage: vae COMMAND [options]     ('vae COMMAND --help' lists a command's options and defaults)\n\ncommands:\n");
        int width = CommandTable.All.Length == 0 ? 10 : CommandTable.All.Max(c => c.Name.Length) + 3;
        foreach (var c in CommandTable.All)
            sb.Append("  ").Append(c.Name.PadRight(width)).Append(c.Summary).Append('\n');
        sb.Append("\nexit codes: 0 ok, 1 check failed or data not fetched, 2 bad command line, input file or " +
            "output path, 3 non-finite loss, 4 output not written (disk full, I/O error), 130 interrupted " +
            "(Ctrl-C or SIGTERM)\n");
        return sb.ToString();
    }
}
