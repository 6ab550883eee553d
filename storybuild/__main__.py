from storybuild.cli import run

run()
