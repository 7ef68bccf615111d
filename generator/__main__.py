from .cli import entry

if __name__ == "__main__":  # `-j` worker processes (spawn) import this module again: they must not run the CLI
    entry()
