from medchat.cli.app import main

main()
