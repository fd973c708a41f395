using Vae.Cli;

// Entry point: find the subcommand (one or two words), run it, and turn known failures into one clear line.
return Dispatcher.Run(args);
