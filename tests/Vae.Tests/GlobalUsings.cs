global using NUnit.Framework;
global using Vae.Analysis;
global using Vae.Engine;
global using Vae.Objectives;
global using Vae.Training;
