import OndatraCLI

OndatraCommand.runAndExit()
