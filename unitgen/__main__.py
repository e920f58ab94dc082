from unitgen.cli.main import main

main()
